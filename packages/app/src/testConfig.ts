/**
 * Sets the app config (APP_CONFIG) the app reads at import: call before importing ./App.
 * Each test file gets its own module registry, so one config per file.
 */
export function configure(extra: object = {}) {
  process.env = {
    NODE_ENV: 'test',
    APP_CONFIG: [
      {
        data: {
          app: { title: 'OpenLuffy' },
          backend: { baseUrl: 'http://localhost:7007' },
          techdocs: {
            storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
          },
          ...extra,
        },
        context: 'test',
      },
    ] as any,
  };
}
