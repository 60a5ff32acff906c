module github.com/virtengine/virtengine/tools/envelope-decoder-go

go 1.24
