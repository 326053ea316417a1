module example/gosuite

go 1.26
