import express from 'express';
import type { GithubService } from '../service';
import { GhError, h, missingField, notFound, validation } from '../errors';
import { needViewer, paginate, readableRepo } from './common';
import type { RepoRecord } from '../state';
import type { LabelRecord } from '../issues-store';
import { bad, issueItems, labelJson } from './issueItems';

/** Repository labels (list, create, get, update, delete) and the labels of issues and PRs. */
export function labelsRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const { store, item, labelsOfItem, setLabels, labelsJson, labelNames } =
    issueItems(svc);

  // ------------------------------------------------------------------ repository labels
  const labelOr404 = (rec: RepoRecord, name: string) => {
    const l = store().label(rec.owner, rec.name, name);
    if (!l) throw notFound();
    return l;
  };
  const labelExists = () =>
    validation([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
  /** Rewrites the label names of every issue and PR of the repository. */
  const relabel = (rec: RepoRecord, f: (names: string[]) => string[]) => {
    for (const i of store().data.issues.filter(
      x => x.owner === rec.owner && x.repo === rec.name,
    ))
      i.labels = f(i.labels);
    for (const p of svc.pulls(rec.owner, rec.name)) p.labels = f(p.labels);
  };
  /** The repository of the path when the signed-in viewer may push (401 when anonymous). */
  const writable = (req: express.Request) =>
    svc.writable(req.params.owner, req.params.repo, needViewer(req));
  /** …and its issue or PR `:number`. */
  const writableItem = (req: express.Request) => {
    const rec = writable(req);
    return { rec, it: item(rec, Number(req.params.number)) };
  };
  const color = (c: unknown) => {
    const s = String(c ?? '').replace(/^#/, '');
    if (!/^[0-9a-fA-F]{6}$/.test(s)) throw bad('Label', 'color');
    return s.toLowerCase();
  };

  r.get(
    '/repos/:owner/:repo/labels',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      const list = store().labelsOf(rec.owner, rec.name);
      res.json(paginate(req, res, list).map(l => labelJson(svc, l)));
    }),
  );
  r.post(
    '/repos/:owner/:repo/labels',
    h((req, res) => {
      const rec = writable(req);
      const b = req.body ?? {};
      if (typeof b.name !== 'string' || !b.name.trim())
        throw missingField('Label', 'name');
      if (store().label(rec.owner, rec.name, b.name)) throw labelExists();
      const l: LabelRecord = {
        id: svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        name: b.name,
        color: b.color === undefined ? 'ededed' : color(b.color),
        description: typeof b.description === 'string' ? b.description : null,
      };
      store().data.labels.push(l);
      res.status(201).json(labelJson(svc, l));
    }),
  );
  r.get(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(labelJson(svc, labelOr404(rec, req.params.name)));
    }),
  );
  r.patch(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = writable(req);
      const l = labelOr404(rec, req.params.name);
      const b = req.body ?? {};
      if (typeof b.new_name === 'string' && b.new_name.trim()) {
        const clash = store().label(rec.owner, rec.name, b.new_name);
        if (clash && clash !== l) throw labelExists();
        relabel(rec, names => names.map(n => (n === l.name ? b.new_name : n)));
        l.name = b.new_name;
      }
      if (b.color !== undefined) l.color = color(b.color);
      if (b.description !== undefined) l.description = b.description;
      res.json(labelJson(svc, l));
    }),
  );
  r.delete(
    '/repos/:owner/:repo/labels/:name',
    h((req, res) => {
      const rec = writable(req);
      const l = labelOr404(rec, req.params.name);
      store().data.labels = store().data.labels.filter(x => x !== l);
      relabel(rec, names => names.filter(n => n !== l.name));
      res.status(204).end();
    }),
  );

  // ------------------------------------------------------------------ labels of issues and PRs
  r.get(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const rec = readableRepo(svc, req);
      res.json(labelsJson(rec, item(rec, Number(req.params.number))));
    }),
  );
  r.post(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const { rec, it } = writableItem(req);
      setLabels(rec, it, [...labelsOfItem(it), ...labelNames(req.body)]);
      res.json(labelsJson(rec, it));
    }),
  );
  r.put(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const { rec, it } = writableItem(req);
      setLabels(rec, it, labelNames(req.body));
      res.json(labelsJson(rec, it));
    }),
  );
  r.delete(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels',
    h((req, res) => {
      const { rec, it } = writableItem(req);
      setLabels(rec, it, []);
      res.status(204).end();
    }),
  );
  r.delete(
    '/repos/:owner/:repo/issues/:number(\\d+)/labels/:name',
    h((req, res) => {
      const { rec, it } = writableItem(req);
      const names = labelsOfItem(it);
      if (!names.some(n => n.toLowerCase() === req.params.name.toLowerCase()))
        throw new GhError(404, 'Label does not exist');
      setLabels(
        rec,
        it,
        names.filter(n => n.toLowerCase() !== req.params.name.toLowerCase()),
      );
      res.json(labelsJson(rec, it));
    }),
  );

  return r;
}
