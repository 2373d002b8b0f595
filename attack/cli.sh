#!/bin/sh
# usage: attack/cli.sh DB FILE [options]; runs `shuxiang import catalog`
db=$1; shift
cd /work/wt-attack13 && PYTHONPATH=$PWD /work/main/.venv/bin/python -m cli.main import catalog --db "$db" "$@"
