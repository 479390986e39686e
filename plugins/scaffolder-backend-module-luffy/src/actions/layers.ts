import type { JsonObject, JsonValue } from '@backstage/types';

/** Where a resolved value came from (the layers of the onboarding config, in order). */
export type LayerName = 'built-in' | 'org' | 'stack' | 'customer' | 'environment';

export type Layer = { name: LayerName; source: string; values: JsonObject | undefined };

/** One leaf that a later layer overrode. */
export type Override = {
  path: string;
  value: JsonValue;
  layer: LayerName;
  source: string;
  overrides: { layer: LayerName; source: string; value: JsonValue };
};

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep-merges layers (objects merge key by key, arrays and scalars replace) and records the
 * origin of every leaf and every override.
 */
export function mergeLayers(layers: Layer[]): {
  value: JsonObject;
  origins: Record<string, { layer: LayerName; source: string }>;
  overrides: Override[];
} {
  const value: JsonObject = {};
  const origins: Record<string, { layer: LayerName; source: string }> = {};
  const overrides: Override[] = [];
  const leafValues: Record<string, JsonValue> = {};

  const walk = (target: JsonObject, source: JsonObject, prefix: string, layer: Layer) => {
    for (const [key, v] of Object.entries(source)) {
      if (v === undefined) continue;
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      const path = prefix ? `${prefix}.${key}` : key;
      if (isObject(v)) {
        if (!isObject(target[key])) {
          // a scalar replaced by an object: its old leaf is overridden
          if (path in origins) {
            overrides.push({ path, value: v, layer: layer.name, source: layer.source, overrides: { ...origins[path], value: leafValues[path] } });
            delete origins[path];
          }
          target[key] = {};
        }
        walk(target[key] as JsonObject, v, path, layer);
        continue;
      }
      // drop leaves under a replaced object
      for (const p of Object.keys(origins)) if (p.startsWith(`${path}.`)) delete origins[p];
      const previous = origins[path];
      if (previous && JSON.stringify(leafValues[path]) !== JSON.stringify(v)) {
        overrides.push({ path, value: v, layer: layer.name, source: layer.source, overrides: { ...previous, value: leafValues[path] } });
      }
      target[key] = v;
      origins[path] = { layer: layer.name, source: layer.source };
      leafValues[path] = v;
    }
  };
  for (const layer of layers) if (layer.values) walk(value, layer.values, '', layer);
  return { value, origins, overrides };
}
