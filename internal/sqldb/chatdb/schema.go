package chatdb

import (
	"embed"

	"hongyan/internal/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Schema is the chat feature's migrations, for both engines
// (migrations/sqlite, migrations/postgres), numbered on their own.
var Schema = sqldb.Schema{Feature: "chat", FS: migrations, Legacy: []int64{1, 2, 3, 4}}
