import { render } from 'preact';
import { useState } from 'preact/hooks';
import { getToken, setToken } from './api';
import { ComparePage } from './pages/compare';
import { EditorPage } from './pages/editor';
import { OptimizePage } from './pages/optimize';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { ScenariosPage } from './pages/scenarios';
import { SweepPage } from './pages/sweep';
import { href, useLocation } from './router';
import './styles.css';

/** The bearer token for the control routes (when the server has CLEARSIM_TOKEN), kept in this browser. */
function TokenBox() {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(getToken());
  const has = !!getToken();
  if (!open)
    return (
      <button type="button" class={`token-button${has ? ' set' : ''}`} onClick={() => setOpen(true)} data-token-open="">
        {has ? 'token set' : 'bearer token'}
      </button>
    );
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        setOpen(false);
      }}
    >
      <input
        type="password"
        autocomplete="off"
        placeholder="CLEARSIM_TOKEN of the server"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        aria-label="bearer token"
        data-token-input=""
      />
      <button type="submit">save</button>
      <button
        type="button"
        onClick={() => {
          setToken('');
          setValue('');
          setOpen(false);
        }}
      >
        clear
      </button>
    </form>
  );
}

function App() {
  const loc = useLocation();
  const [section, ...rest] = loc.path;
  let page = <ScenariosPage />;
  if (section === 'scenarios' && rest[0]) page = <EditorPage name={rest[0]} />;
  else if (section === 'runs' && rest[0]) page = <RunPage id={rest[0]} />;
  else if (section === 'runs') page = <RunsPage />;
  else if (section === 'compare') page = <ComparePage query={loc.query} />;
  else if (section === 'sweep') page = <SweepPage query={loc.query} />;
  else if (section === 'optimize') page = <OptimizePage query={loc.query} />;
  const active = (s: string) => ((section ?? 'scenarios') === s ? 'active' : '');
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          clearsim
        </a>
        <nav>
          <a href={href('scenarios')} class={active('scenarios')}>
            Scenarios
          </a>
          <a href={href('runs')} class={active('runs')}>
            Runs
          </a>
          <a href={href('compare')} class={active('compare')}>
            Compare
          </a>
          <a href={href('sweep')} class={active('sweep')}>
            Sweep
          </a>
          <a href={href('optimize')} class={active('optimize')}>
            Optimize
          </a>
          <a href="/docs" target="_blank" rel="noreferrer">
            API
          </a>
        </nav>
        <TokenBox />
      </header>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById('app')!;
// the boot message goes: Preact keeps what it did not render
root.textContent = '';
render(<App />, root);
