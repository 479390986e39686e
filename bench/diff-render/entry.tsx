/*
 * Browser entry of the pull-requests bench: the plugin's DiffView on its own (bundled with
 * esbuild), so Chromium measures the diff renderer rather than the whole app.
 * `window.renderDiff(diff)` resolves with the time until the first lines are on screen and
 * until a scroll to the middle and to the end shows the lines there (the diff is scrollable).
 */
import { createRoot } from 'react-dom/client';
import { ThemeProvider, createTheme } from '@material-ui/core/styles';
import { DiffView } from '../../plugins/luffy/src/components/DiffView/DiffView';

type Timings = {
  firstLinesMs: number;
  scrolledMiddleMs: number;
  scrolledEndMs: number;
  renderedRows: number;
  totalRows: number;
};

const nextFrame = () =>
  new Promise<void>(resolve => requestAnimationFrame(() => resolve()));

async function until(check: () => boolean, what: string) {
  const deadline = performance.now() + 30_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await nextFrame();
  }
}

/** Diff code cells rendered inside the scroller's viewport (containing `text`, if given). */
function visibleLines(scroller: HTMLElement, text?: string): number {
  const box = scroller.getBoundingClientRect();
  let n = 0;
  for (const cell of Array.from(
    scroller.querySelectorAll<HTMLElement>('.diff-code'),
  )) {
    if (text && !cell.textContent?.includes(text)) continue;
    const r = cell.getBoundingClientRect();
    if (r.bottom > box.top && r.top < box.bottom) n += 1;
  }
  return n;
}

/** A screenful: the viewport is filled with lines (800 px of 20 px lines, headers aside). */
const SCREENFUL = 25;

(window as any).renderDiff = async (
  diff: string,
  markers: { first: string; last: string },
): Promise<Timings> => {
  const container = document.getElementById('root')!;
  const t0 = performance.now();
  createRoot(container).render(
    <ThemeProvider theme={createTheme()}>
      <DiffView diff={diff} maxHeight={800} />
    </ThemeProvider>,
  );
  let scroller: HTMLElement | null = null;
  await until(() => {
    scroller = container.querySelector('[data-testid="luffy-diff-scroller"]');
    return (
      !!scroller &&
      visibleLines(scroller, markers.first) > 0 &&
      visibleLines(scroller) >= SCREENFUL
    );
  }, 'the first lines');
  const firstLinesMs = performance.now() - t0;
  const s = scroller as unknown as HTMLElement;
  s.scrollTop = s.scrollHeight / 2;
  await until(
    () => visibleLines(s) >= SCREENFUL,
    'a screenful of lines in the middle of the diff',
  );
  const scrolledMiddleMs = performance.now() - t0;
  s.scrollTop = s.scrollHeight;
  await until(() => {
    // the virtualiser re-measures blocks as they render: keep following the end
    if (s.scrollTop + s.clientHeight < s.scrollHeight - 1) {
      s.scrollTop = s.scrollHeight;
    }
    return visibleLines(s, markers.last) > 0;
  }, 'the end of the diff');
  const scrolledEndMs = performance.now() - t0;
  return {
    firstLinesMs,
    scrolledMiddleMs,
    scrolledEndMs,
    renderedRows: container.querySelectorAll('.diff-line').length,
    totalRows: diff
      .split('\n')
      .filter(l => /^[+\- ]/.test(l) && !/^(\+\+\+|---) /.test(l)).length,
  };
};
