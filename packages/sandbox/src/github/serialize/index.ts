// GitHub REST response bodies (shapes of @octokit/openapi-types), one file per resource.
export * from './common';
export * from './users';
export * from './repos';
export * from './commits';
export * from './pulls';
export * from './checks';
export * from './actions';
export * from './hooks';
export * from './environments';
