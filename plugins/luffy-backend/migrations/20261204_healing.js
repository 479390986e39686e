/*
 * Copyright 2026 The OpenLuffy Authors
 * SPDX-License-Identifier: Apache-2.0
 */

// @ts-check

const OPEN = [
  'detected',
  'diagnosing',
  'diagnosed',
  'awaiting-approval',
  'fixing',
];

/**
 * The healing engine's state: incidents gain a unique key while open (open_key, NULL once
 * final, so a workload can fail again later), their evidence and fix; every state change is
 * a transition row; heal attempts count against the caps and remember fingerprint + patch
 * (never proposed twice); diagnoses are cached per failure fingerprint; per-entity discovery
 * errors are kept for the API.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('luffy_incidents', table => {
    table
      .string('open_key')
      .nullable()
      .unique('luffy_incidents_open_key_uq')
      .comment('incident_key while the incident is open, NULL once final');
    table.string('env').nullable();
    table.string('workload_kind').nullable();
    table.string('fingerprint').nullable().comment('failure fingerprint');
    table.string('autonomy', 16).nullable();
    table.integer('pull_request_number').nullable();
    table.string('pull_request_state', 16).nullable();
    table.string('pull_request_branch').nullable();
    table
      .text('context')
      .nullable()
      .comment('JSON, redacted: exactly what the diagnoser saw');
    table.text('diagnosis').nullable().comment('JSON');
    table.text('proposal').nullable().comment('JSON: repo, path, branch, diff');
    table.text('failure').nullable().comment('JSON: the detector output');
    table.text('error').nullable();
    table.timestamp('resolved_at', { useTz: true }).nullable();
  });
  await knex('luffy_incidents')
    .whereIn('status', OPEN)
    .update({ open_key: knex.ref('incident_key') });

  await knex.schema.createTable('luffy_incident_transitions', table => {
    table.comment('Every state change of an incident: time, actor, reason');
    table.bigIncrements('seq');
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('luffy_incidents')
      .onDelete('CASCADE');
    table.string('from_status', 32).nullable();
    table.string('to_status', 32).notNullable();
    table.string('actor').notNullable();
    table.text('reason').notNullable();
    table.timestamp('at', { useTz: true }).notNullable();
    table.index(['incident_id', 'seq'], 'luffy_transitions_incident_idx');
  });

  await knex.schema.createTable('luffy_heal_attempts', table => {
    table.comment(
      'Fix attempts (pull requests) per workload: caps, outcomes, runbook success',
    );
    table.string('id', 36).primary().notNullable();
    table.string('incident_id', 36).notNullable();
    table
      .string('workload_key')
      .notNullable()
      .comment('cluster/namespace/workload');
    table.string('fingerprint').notNullable();
    table.string('patch_hash').notNullable();
    table.string('runbook_id').nullable();
    table.integer('pull_request_number').nullable();
    table.string('pull_request_url').nullable();
    table
      .string('outcome', 16)
      .notNullable()
      .comment('pending | healed | failed | dismissed');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.unique(['fingerprint', 'patch_hash'], {
      indexName: 'luffy_heal_attempts_fp_patch_uq',
    });
    table.index(
      ['workload_key', 'created_at'],
      'luffy_heal_attempts_workload_idx',
    );
    table.index(['created_at'], 'luffy_heal_attempts_created_idx');
  });

  await knex.schema.createTable('luffy_diagnosis_cache', table => {
    table.comment(
      'Diagnoses per failure fingerprint and provider (spares repeated model calls)',
    );
    table.string('fingerprint').notNullable();
    table.string('provider').notNullable();
    table.text('diagnosis').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.primary(['fingerprint', 'provider']);
  });

  await knex.schema.createTable('luffy_healing_entities', table => {
    table.comment(
      'Healing settings and per-entity discovery errors of the last sweep',
    );
    table.string('entity_ref').primary().notNullable();
    table.string('autonomy', 16).nullable();
    table.text('errors').notNullable().comment('JSON array of messages');
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('luffy_healing_entities');
  await knex.schema.dropTable('luffy_diagnosis_cache');
  await knex.schema.dropTable('luffy_heal_attempts');
  await knex.schema.dropTable('luffy_incident_transitions');
  await knex.schema.alterTable('luffy_incidents', table => {
    table.dropUnique(['open_key'], 'luffy_incidents_open_key_uq');
  });
  await knex.schema.alterTable('luffy_incidents', table => {
    for (const c of [
      'open_key',
      'env',
      'workload_kind',
      'fingerprint',
      'autonomy',
      'pull_request_number',
      'pull_request_state',
      'pull_request_branch',
      'context',
      'diagnosis',
      'proposal',
      'failure',
      'error',
      'resolved_at',
    ]) {
      table.dropColumn(c);
    }
  });
};
