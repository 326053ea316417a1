module example.com/paratest

go 1.26
