module grafanaprofiles/testdata/pprofserver

go 1.19
