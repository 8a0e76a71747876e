#!/usr/bin/env bash
# How each mlhc estimator recovers the NSW experimental effect (1794.34) from NSW treated + CPS-1
# controls (the LaLonde / Dehejia–Wahba observational design). Needs a release build of mlhc.
#
#   bench/causal/lalonde.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mlhc=target/release/mlhc
mkdir -p bench/out
data=bench/out/lalonde-nsw-cps.csv
{
  head -1 testdata/causal/lalonde/nsw_mixtape.csv | cut -d, -f2-
  awk -F, 'NR > 1 && $2 == 1' testdata/causal/lalonde/nsw_mixtape.csv | cut -d, -f2-
  tail -n +2 testdata/causal/lalonde/cps_mixtape.csv | cut -d, -f2-
} > "$data"
f='age + I(age^2) + educ + I(educ^2) + black + hisp + marr + nodegree + re74 + re75 + I(re74^2) + I(re75^2)'
printf '%-46s %10s %10s %22s\n' "estimator (ATT unless noted)" estimate se "95% CI"
run() {
  local label=$1; shift
  $mlhc causal estimate "$data" --treatment treat --outcome re78 --covariates "$f" --json "$@" |
    python3 -c "import json,sys; v=json.load(sys.stdin); print('%-46s %10.1f %10.1f [%9.1f, %9.1f]' % ('$label', v['estimate'], v['se'], v['ci_low'], v['ci_high']))"
}
run "naive" --estimator naive
run "ipw (logistic, unpenalized)" --estimator ipw --in-sample-propensity --estimand att --propensity-lambda 0 --clip 0
run "ipw (logistic, clip 0.01)" --estimator ipw --in-sample-propensity --estimand att --propensity-lambda 0
run "standardization (linear)" --estimator standardization --estimand att --outcome-model linear
run "standardization (boosted trees)" --estimator standardization --estimand att
run "aipw (linear outcomes)" --estimator aipw --estimand att --propensity-lambda 0 --outcome-model linear
run "aipw (boosted-tree outcomes)" --estimator aipw --estimand att --propensity-lambda 0
run "tlearner (boosted trees)" --estimator tlearner --estimand att
run "xlearner (boosted trees)" --estimator xlearner --estimand att --propensity-lambda 0
run "drlearner (boosted trees)" --estimator drlearner --estimand att --propensity-lambda 0
run "matching (1:1, replacement, caliper 0.2 sd)" --estimator matching --estimand att --propensity-lambda 0 --caliper 0.2
run "ipw, trimmed to e in [0.01, 0.99]" --estimator ipw --in-sample-propensity --estimand att --propensity-lambda 0 --trim 0.01
run "aipw (linear), trimmed to e in [0.01, 0.99]" --estimator aipw --estimand att --propensity-lambda 0 --trim 0.01 --outcome-model linear
run "ipw ATE (for contrast)" --estimator ipw --in-sample-propensity --propensity-lambda 0
run "ipw ATE, trimmed to e in [0.01, 0.99]" --estimator ipw --in-sample-propensity --propensity-lambda 0 --trim 0.01
