// Backstage 1.55 needs Node 22 or 24; fail early with the way out instead of odd errors later.
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(
    `Node ${process.version} is too old: Backstage 1.55 needs Node 22 or 24. ` +
      'Run ./scripts/dev or ./scripts/test, which set up a local Node 22.',
  );
  process.exit(1);
}
