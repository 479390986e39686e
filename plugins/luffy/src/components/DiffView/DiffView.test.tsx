import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DiffView } from './DiffView';

jest.setTimeout(60_000);

/** `files` TypeScript files of `lines` changed lines each. */
function diffOf(files: number, lines: number) {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const name = `src/module${f}.ts`;
    out.push(
      `diff --git a/${name} b/${name}`,
      `--- a/${name}`,
      `+++ b/${name}`,
      `@@ -1,${lines / 2} +1,${lines / 2} @@`,
    );
    for (let i = 0; i < lines / 2; i++) {
      out.push(
        `-export const v${f}_${i} = 1;`,
        `+export const v${f}_${i} = 2;`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

describe('DiffView', () => {
  it('renders a 10,000-line diff virtualised: a screenful of rows, not ten thousand', async () => {
    await renderInTestApp(<DiffView diff={diffOf(20, 500)} />);
    expect(await screen.findByText('20 files changed')).toBeInTheDocument();
    const rows = screen
      .getByTestId('luffy-diff-scroller')
      .querySelectorAll('.diff-line');
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.length).toBeLessThan(300);
    expect(
      screen.getByRole('button', { name: 'src/module0.ts' }),
    ).toHaveAttribute('aria-expanded', 'true');
    expect(
      screen.queryByRole('button', { name: 'src/module19.ts' }),
    ).toBeNull();
  });

  it('starts a large file collapsed and opens it on click', async () => {
    await renderInTestApp(<DiffView diff={diffOf(1, 2000)} />);
    const header = await screen.findByRole('button', {
      name: 'src/module0.ts',
    });
    expect(header).toHaveAttribute('aria-expanded', 'false');
    expect(within(header).getByText('large')).toBeInTheDocument();
    expect(document.querySelectorAll('.diff-line')).toHaveLength(0);
    await userEvent.click(header);
    expect(header).toHaveAttribute('aria-expanded', 'true');
    expect(document.querySelectorAll('.diff-line').length).toBeGreaterThan(0);
  });
});
