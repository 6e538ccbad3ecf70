package etl

// PartBatches is partBatches, for the tests of package etl_test.
const PartBatches = partBatches
