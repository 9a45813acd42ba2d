module grafanaprofiles/testdata/gen

go 1.19
