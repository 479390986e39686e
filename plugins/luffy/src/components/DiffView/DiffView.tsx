import { useCallback, useMemo, useRef, useState } from 'react';
import {
  Diff,
  parseDiff,
  tokenize,
  type FileData,
  type HunkData,
  type HunkTokens,
  type ViewType,
} from 'react-diff-view';
import 'react-diff-view/style/index.css';
import {
  measureElement,
  observeElementRect,
  useVirtualizer,
} from '@tanstack/react-virtual';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import ButtonGroup from '@material-ui/core/ButtonGroup';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import ChevronRightIcon from '@material-ui/icons/ChevronRight';
import type { PullRequestFile } from '@openluffy/plugin-luffy-common';
import { languageOf, refractor } from './highlight';

/** Changes per rendered block: a 10,000-line diff becomes ~400 blocks, a few on screen (bench: fewer, smaller blocks render and scroll faster). */
const CHUNK_LINES = 25;
const LINE_PX = 20;
const HEADER_PX = 44;

const useStyles = makeStyles(theme => ({
  scroller: {
    overflow: 'auto',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    '& .diff': { fontSize: 12 },
    '& .diff-gutter-col': { width: '6ch' },
    '& .diff-line': { lineHeight: `${LINE_PX}px` },
    '& .token.comment, & .token.prolog': { color: '#6a737d' },
    '& .token.keyword, & .token.atrule, & .token.important': {
      color: '#d73a49',
    },
    '& .token.string, & .token.attr-value, & .token.char': {
      color: '#032f62',
    },
    '& .token.number, & .token.boolean, & .token.constant': {
      color: '#005cc5',
    },
    '& .token.function, & .token.class-name': { color: '#6f42c1' },
    '& .token.key, & .token.property, & .token.tag, & .token.attr-name': {
      color: '#22863a',
    },
  },
  fileHeader: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    height: HEADER_PX,
    padding: theme.spacing(0, 1),
    background: theme.palette.background.default,
    borderBottom: `1px solid ${theme.palette.divider}`,
    borderTop: `1px solid ${theme.palette.divider}`,
    cursor: 'pointer',
  },
  path: { fontFamily: 'monospace', fontWeight: 600, flex: 1 },
  hunkHeader: {
    fontFamily: 'monospace',
    fontSize: 12,
    padding: theme.spacing(0.5, 1),
    color: theme.palette.text.secondary,
    background: theme.palette.action.hover,
  },
  added: { color: theme.palette.success?.main ?? '#2e7d32' },
  deleted: { color: theme.palette.error.main },
}));

type Block =
  | { kind: 'file'; file: number }
  | {
      kind: 'chunk';
      file: number;
      hunk: HunkData;
      header?: string;
      lines: number;
    };

function fileName(f: FileData) {
  return f.type === 'delete' ? f.oldPath : f.newPath;
}

/** A hunk cut into pieces of at most CHUNK_LINES changes, each renderable on its own. */
function chunks(h: HunkData): HunkData[] {
  if (h.changes.length <= CHUNK_LINES) return [h];
  const out: HunkData[] = [];
  for (let i = 0; i < h.changes.length; i += CHUNK_LINES) {
    out.push({ ...h, changes: h.changes.slice(i, i + CHUNK_LINES) });
  }
  return out;
}

function Chunk(props: { file: FileData; hunk: HunkData; viewType: ViewType }) {
  const { file, hunk, viewType } = props;
  const tokens = useMemo<HunkTokens | undefined>(() => {
    const language = languageOf(fileName(file));
    if (!language) return undefined;
    try {
      return tokenize([hunk], { highlight: true, refractor, language });
    } catch {
      return undefined; // unhighlighted rather than broken
    }
  }, [file, hunk]);
  return (
    <Diff
      viewType={viewType}
      diffType={file.type}
      hunks={[hunk]}
      tokens={tokens}
    />
  );
}

/**
 * A unified diff rendered with react-diff-view: unified or split, syntax highlighted
 * (refractor), line numbers, generated and large files collapsed, and virtualised with
 * @tanstack/react-virtual so a 10,000-line diff only renders what is on screen.
 */
export function DiffView(props: {
  diff: string;
  /** GitHub's file list: marks generated and large files (collapsed by default). */
  files?: PullRequestFile[];
  defaultViewType?: ViewType;
  /** Height of the scrolling area. Default: 70vh. */
  maxHeight?: number | string;
}) {
  const classes = useStyles();
  const [viewType, setViewType] = useState<ViewType>(
    props.defaultViewType ?? 'unified',
  );
  const parsed = useMemo(() => {
    try {
      return parseDiff(props.diff, { nearbySequences: 'zip' });
    } catch {
      return [];
    }
  }, [props.diff]);
  const meta = useMemo(() => {
    const byName = new Map((props.files ?? []).map(f => [f.filename, f]));
    return parsed.map(f => {
      const m = byName.get(fileName(f));
      const lines = f.hunks.reduce((n, h) => n + h.changes.length, 0);
      return {
        generated: m?.generated ?? false,
        large: m?.large ?? lines > 1000,
        binary: !f.hunks.length,
        additions:
          m?.additions ??
          f.hunks.reduce(
            (n, h) => n + h.changes.filter(c => c.type === 'insert').length,
            0,
          ),
        deletions:
          m?.deletions ??
          f.hunks.reduce(
            (n, h) => n + h.changes.filter(c => c.type === 'delete').length,
            0,
          ),
      };
    });
  }, [parsed, props.files]);
  const [toggled, setToggled] = useState<Set<number>>(new Set());
  // Generated, large and binary files start collapsed, the others open; a click flips that.
  const isOpen = useCallback(
    (i: number) =>
      (meta[i].generated || meta[i].large || meta[i].binary) === toggled.has(i),
    [meta, toggled],
  );

  const blocks = useMemo(() => {
    const out: Block[] = [];
    parsed.forEach((f, i) => {
      out.push({ kind: 'file', file: i });
      if (!isOpen(i)) return;
      for (const h of f.hunks) {
        chunks(h).forEach((c, j) =>
          out.push({
            kind: 'chunk',
            file: i,
            hunk: c,
            header: j === 0 ? h.content : undefined,
            lines: c.changes.length,
          }),
        );
      }
    });
    return out;
  }, [parsed, isOpen]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const estimate = (i: number) => {
    const b = blocks[i];
    if (!b) return HEADER_PX;
    return b.kind === 'file' ? HEADER_PX : b.lines * LINE_PX + 24;
  };
  const virtualizer = useVirtualizer({
    count: blocks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: estimate,
    overscan: 2,
    initialRect: { width: 1000, height: 800 },
    // Not laid out yet (a hidden tab, or no layout at all): render a screenful by estimate
    // instead of nothing.
    observeElementRect: (instance, cb) =>
      observeElementRect(instance, rect =>
        cb(rect.height ? rect : { width: rect.width || 1000, height: 800 }),
      ),
    measureElement: (el, entry, instance) =>
      measureElement(el, entry, instance) ||
      estimate(instance.indexFromElement(el)),
  });

  if (!parsed.length) {
    return (
      <Typography variant="body2" color="textSecondary">
        No changes to show.
      </Typography>
    );
  }

  const toggle = (i: number) =>
    setToggled(prev => {
      const next = new Set(prev);
      if (next.has(i)) next.delete(i);
      else next.add(i);
      return next;
    });

  return (
    <Box data-testid="luffy-diff-view">
      <Box display="flex" alignItems="center" mb={1}>
        <Typography variant="body2" style={{ flex: 1 }}>
          {parsed.length} file{parsed.length === 1 ? '' : 's'} changed
        </Typography>
        <ButtonGroup size="small" aria-label="Diff layout">
          <Button
            variant={viewType === 'unified' ? 'contained' : 'outlined'}
            onClick={() => setViewType('unified')}
          >
            Unified
          </Button>
          <Button
            variant={viewType === 'split' ? 'contained' : 'outlined'}
            onClick={() => setViewType('split')}
          >
            Split
          </Button>
        </ButtonGroup>
      </Box>
      <div
        ref={scrollRef}
        className={classes.scroller}
        style={{ maxHeight: props.maxHeight ?? '70vh' }}
        data-testid="luffy-diff-scroller"
      >
        <div
          style={{
            height: virtualizer.getTotalSize(),
            position: 'relative',
            width: '100%',
          }}
        >
          {virtualizer.getVirtualItems().map(item => {
            const b = blocks[item.index];
            const f = parsed[b.file];
            const m = meta[b.file];
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  width: '100%',
                  transform: `translateY(${item.start}px)`,
                }}
              >
                {b.kind === 'file' ? (
                  <div
                    className={classes.fileHeader}
                    onClick={() => toggle(b.file)}
                    onKeyDown={event => {
                      if (event.key === 'Enter' || event.key === ' ') {
                        event.preventDefault();
                        toggle(b.file);
                      }
                    }}
                    role="button"
                    tabIndex={0}
                    aria-expanded={isOpen(b.file)}
                    aria-label={`${fileName(f)}`}
                  >
                    {isOpen(b.file) ? (
                      <ExpandMoreIcon fontSize="small" />
                    ) : (
                      <ChevronRightIcon fontSize="small" />
                    )}
                    <span className={classes.path}>
                      {f.type === 'rename'
                        ? `${f.oldPath} → ${f.newPath}`
                        : fileName(f)}
                    </span>
                    {m.generated && <Chip size="small" label="generated" />}
                    {m.large && !m.binary && (
                      <Chip size="small" label="large" />
                    )}
                    {m.binary && <Chip size="small" label="binary" />}
                    <span className={classes.added}>+{m.additions}</span>
                    <span className={classes.deleted}>−{m.deletions}</span>
                  </div>
                ) : (
                  <>
                    {b.header && (
                      <div className={classes.hunkHeader}>{b.header}</div>
                    )}
                    <Chunk file={f} hunk={b.hunk} viewType={viewType} />
                  </>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </Box>
  );
}
