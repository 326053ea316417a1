#!/bin/sh
# The `sh` script of the paratest step's "paratest: failed <test>" and
# "paratest: worker log <worker>" steps: prints one file that run.sh wrote
# (JENKINS_PARATEST_SHOW), so that it is the whole log of a labelled step.
set -eu
cat -- "$JENKINS_PARATEST_SHOW"
