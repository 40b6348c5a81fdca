# KTAP output for shell tests (sourced). Usage:
#   ktap_plan N; ktap_result OK|FAIL|SKIP "name" ["skip reason"]; ktap_finish
# ktap_check "name" CMD... runs CMD and reports its status as the result.
KTAP_N=0
KTAP_FAILED=0
ktap_plan() {
	echo "KTAP version 1"
	echo "1..$1"
}
ktap_diag() { printf '# %s\n' "$*"; }
ktap_result() {
	KTAP_N=$((KTAP_N + 1))
	case "$1" in
	OK) echo "ok $KTAP_N $2" ;;
	SKIP) echo "ok $KTAP_N $2 # SKIP $3" ;;
	*) echo "not ok $KTAP_N $2"; KTAP_FAILED=1 ;;
	esac
}
ktap_check() {
	name=$1
	shift
	if "$@"; then ktap_result OK "$name"; else ktap_result FAIL "$name"; fi
}
ktap_finish() { exit $KTAP_FAILED; }
