module.exports = require('../../scripts/eslint/productionPackage')(__dirname);
