module github.com/grafana-profiles/deploy/workloads/go-pprof

go 1.19
