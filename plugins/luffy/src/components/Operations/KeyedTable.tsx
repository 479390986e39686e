import type { ReactNode } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';

/** A column of a KeyedTable. */
export type KeyedColumn<T> = {
  title: string;
  render: (row: T) => ReactNode;
};

/**
 * A dense table whose rows keep their identity across refreshes (keyed by `rowKey`), so
 * components with state in a cell (an open Operations menu or dialog) survive polling.
 * Backstage's Table (material-table) remounts every row whenever its data or columns change.
 */
export function KeyedTable<T>(props: {
  columns: KeyedColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  'aria-label'?: string;
}) {
  return (
    <Table size="small" aria-label={props['aria-label']}>
      <TableHead>
        <TableRow>
          {props.columns.map(c => (
            <TableCell key={c.title}>{c.title}</TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {props.rows.map(row => (
          <TableRow key={props.rowKey(row)}>
            {props.columns.map(c => (
              <TableCell key={c.title}>{c.render(row)}</TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
