/**
 * The OpenLuffy backend plugin: pull requests, healing engine, operations, audit, events.
 *
 * @packageDocumentation
 */
export { luffyPlugin as default } from './plugin';
