// esbuild bundles the stylesheet that main.tsx imports into assets/app.css
declare module '*.css';
