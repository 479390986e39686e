import express from 'express';
import type { GithubService } from '../service';
import { h, missingField } from '../errors';
import { paginate, str, viewerOf } from './common';
import type { Account, PullRecord } from '../state';
import { issueJson } from './pulls';

/** Filters PRs with GitHub search qualifiers (repo:, org:, user:, is:, state:, author:, head:, base:, label:, review:) and words in the title. */
export function searchPulls(
  svc: GithubService,
  q: string,
  viewer: Account | undefined,
): PullRecord[] {
  const terms = q.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  let list = svc.data.pulls.filter(p => {
    const rec = svc.repo(p.owner, p.repo);
    return !!rec && svc.permissions(rec, viewer).pull;
  });
  const lc = (x: string) => x.toLowerCase();
  for (const raw of terms) {
    const term = raw.replace(/"/g, '');
    const neg = term.startsWith('-');
    const t = neg ? term.slice(1) : term;
    const i = t.indexOf(':');
    const key = i > 0 ? lc(t.slice(0, i)) : '';
    const value = i > 0 ? t.slice(i + 1) : t;
    let test: (p: PullRecord) => boolean;
    switch (key) {
      case 'repo':
        test = p => lc(`${p.owner}/${p.repo}`) === lc(value);
        break;
      case 'org':
      case 'user':
      case 'owner':
        test = p => lc(p.owner) === lc(value);
        break;
      case 'is':
      case 'state':
      case 'type':
        test = p => {
          const v = lc(value);
          if (v === 'pr' || v === 'pull-request') return true;
          if (v === 'issue') return false;
          if (v === 'open' || v === 'closed') return p.state === v;
          if (v === 'merged') return !!p.merged_at;
          if (v === 'unmerged') return !p.merged_at && p.state === 'closed';
          if (v === 'draft') return p.draft;
          return true;
        };
        break;
      case 'author':
        test = p => lc(p.user) === lc(value.replace(/^app\//, ''));
        break;
      case 'head':
        test = p => p.head === value;
        break;
      case 'base':
        test = p => p.base === value;
        break;
      case 'label':
        test = p => p.labels.map(lc).includes(lc(value));
        break;
      case 'review':
        test = p => {
          const d = svc.reviewDecision(p);
          if (value === 'approved') return d === 'APPROVED';
          if (value === 'changes_requested') return d === 'CHANGES_REQUESTED';
          if (value === 'required') return d === 'REVIEW_REQUIRED';
          if (value === 'none') return svc.latestReviews(p).length === 0;
          return true;
        };
        break;
      case '':
        test = p => lc(`${p.title} ${p.body ?? ''}`).includes(lc(value));
        break;
      default:
        test = () => true; // unsupported qualifiers are ignored
    }
    list = list.filter(p => test(p) !== neg);
  }
  return list.sort(
    (a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id,
  );
}

/** `GET /search/issues` (pull requests only; issue searches answer empty). */
export function searchRouter(svc: GithubService): express.Router {
  const r = express.Router();

  r.get(
    '/search/issues',
    h((req, res) => {
      const q = str(req.query.q);
      if (!q) throw missingField('Search', 'q');
      if (/is:issue|type:issue/.test(q)) {
        res.json({
          total_count: 0,
          incomplete_results: false,
          items: [],
          search_type: 'lexical',
        });
        return;
      }
      const list = searchPulls(svc, q, viewerOf(req));
      res.json({
        total_count: list.length,
        incomplete_results: false,
        items: paginate(req, res, list).map(p => ({
          ...issueJson(svc, p),
          body: p.body ?? '',
          score: 1,
        })),
        search_type: 'lexical',
      });
    }),
  );

  return r;
}
