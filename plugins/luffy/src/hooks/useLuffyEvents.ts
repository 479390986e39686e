import { useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type { LuffyEvent } from '@openluffy/plugin-luffy-common';
import { luffyApiRef } from '../api';

/**
 * Calls `onChange` on every event of `GET /api/luffy/events` matching the entity and types,
 * live (Server-Sent Events). When the stream cannot be opened or breaks, it polls instead:
 * `onChange()` every `pollMs` (the list routes are cheap to repeat: server-side cache and
 * conditional requests), and tries the stream again after a minute.
 *
 * Returns whether the live stream is up.
 */
export function useLuffyEvents(
  options: { entityRef?: string; types?: string[]; pollMs?: number },
  onChange: (event?: LuffyEvent) => void,
): { live: boolean } {
  const api = useApi(luffyApiRef);
  const [live, setLive] = useState(false);
  const callback = useRef(onChange);
  callback.current = onChange;
  const pollMs = options.pollMs ?? 30_000;
  const types = (options.types ?? []).join(',');

  useEffect(() => {
    let stopped = false;
    let stream: { close(): void } | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const open = () => {
      if (stopped) return;
      setLive(true);
      stream = api.streamEvents(
        {
          entityRef: options.entityRef,
          types: types ? types.split(',') : undefined,
        },
        event => callback.current(event),
        () => {
          if (stopped) return;
          setLive(false);
          if (!poll) {
            poll = setInterval(() => callback.current(), pollMs);
          }
          retry = setTimeout(() => {
            if (poll) clearInterval(poll);
            poll = undefined;
            open();
          }, 60_000);
        },
      );
    };
    open();
    return () => {
      stopped = true;
      stream?.close();
      if (poll) clearInterval(poll);
      if (retry) clearTimeout(retry);
    };
  }, [api, options.entityRef, types, pollMs]);

  return { live };
}
