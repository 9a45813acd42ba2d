module github.com/grafana-profiles/deploy/workloads/go-pyroscope

go 1.23

require github.com/grafana/pyroscope-go v1.2.7
