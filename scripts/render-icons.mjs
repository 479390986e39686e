#!/usr/bin/env node
/*
 * Renders the app's PNG icons and favicon.ico from packages/app/public/openluffy-icon.svg
 * with the Chromium the e2e tests use: `node scripts/render-icons.mjs` after editing the SVG.
 */
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const publicDir = path.resolve(import.meta.dirname, '../packages/app/public');
const svg = fs.readFileSync(path.join(publicDir, 'openluffy-icon.svg'), 'utf8');
const sizes = {
  'favicon-16x16.png': 16,
  'favicon-32x32.png': 32,
  'apple-touch-icon.png': 180,
  'android-chrome-192x192.png': 192,
  'android-chrome-512x512.png': 512,
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
});
try {
  const page = await browser.newPage();
  const png = {};
  for (const [file, size] of Object.entries(sizes)) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace(
        '<svg ',
        `<svg width="${size}" height="${size}" `,
      )}</body></html>`,
    );
    png[file] = await page.screenshot({ omitBackground: true });
    fs.writeFileSync(path.join(publicDir, file), png[file]);
  }
  // favicon.ico: an ICO directory holding the 16 and 32 px PNGs.
  const images = [png['favicon-16x16.png'], png['favicon-32x32.png']];
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach((img, i) => {
    const size = i === 0 ? 16 : 32;
    const at = 6 + 16 * i;
    header.writeUInt8(size, at);
    header.writeUInt8(size, at + 1);
    header.writeUInt16LE(1, at + 4);
    header.writeUInt16LE(32, at + 6);
    header.writeUInt32LE(img.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += img.length;
  });
  fs.writeFileSync(
    path.join(publicDir, 'favicon.ico'),
    Buffer.concat([header, ...images]),
  );
} finally {
  await browser.close();
}
