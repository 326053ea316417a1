module example/sample

go 1.26
