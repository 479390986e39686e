/*
 * Copyright 2026 The OpenLuffy Authors
 * SPDX-License-Identifier: Apache-2.0
 */

// @ts-check

/**
 * Incidents of the healing loop (unique per cluster/namespace/workload/reason while open)
 * and the audit trail of every action.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('luffy_incidents', table => {
    table.comment('Healing incidents, one per detected problem of a workload');
    table.string('id', 36).primary().notNullable();
    table
      .string('entity_ref')
      .notNullable()
      .comment('Catalog entity the workload belongs to');
    table
      .string('incident_key')
      .notNullable()
      .comment('cluster/namespace/workload/reason');
    table.string('cluster').notNullable();
    table.string('namespace').notNullable();
    table.string('workload').notNullable();
    table.string('reason').notNullable();
    table.string('status', 32).notNullable();
    table.text('summary').nullable();
    table.string('pull_request_url').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['entity_ref', 'created_at'], 'luffy_incidents_entity_idx');
    table.index(['status'], 'luffy_incidents_status_idx');
    table.index(['incident_key'], 'luffy_incidents_key_idx');
  });

  await knex.schema.createTable('luffy_audit_events', table => {
    table.comment(
      'Audit trail: actor, target, input, outcome and duration of every action',
    );
    table.bigIncrements('seq');
    table.string('id', 36).notNullable().unique();
    table.string('actor').notNullable();
    table.string('action').notNullable();
    table.string('target').notNullable();
    table.text('input').nullable().comment('JSON, secrets redacted');
    table.string('outcome', 16).notNullable();
    table.integer('duration_ms').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['target', 'created_at'], 'luffy_audit_target_idx');
    table.index(['actor', 'created_at'], 'luffy_audit_actor_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('luffy_audit_events');
  await knex.schema.dropTable('luffy_incidents');
};
