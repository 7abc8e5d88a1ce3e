# Runs once before the whole bats run (bats >= 1.5): remember the machine's
# state, for tests/zz-suite-end.bats to compare at the very end.
setup_suite() {
	# shellcheck source=tests/test_helper.bash
	source "$(dirname "${BASH_SOURCE[0]}")/test_helper.bash"
	export NSLAB_SUITE_STATE=$BATS_SUITE_TMPDIR/machine-state-before
	machine_state >"$NSLAB_SUITE_STATE"
}
