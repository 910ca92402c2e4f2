#!/usr/bin/env bash
# Adds an EF Core migration for both providers: SQLite (Storage/Migrations) and PostgreSQL (Storage/PostgreSql/Migrations).
# Usage: bash scripts/add-migration.sh Name   (merge main first; the PostgreSQL tests fail while one provider lacks it)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: add-migration.sh Name}
dotnet tool restore >/dev/null
dotnet build Bot.Host -c Release
dotnet ef migrations add "$name" --project Bot.Host --configuration Release --no-build --context BotDb --output-dir Storage/Migrations
dotnet ef migrations add "$name" --project Bot.Host --configuration Release --no-build --context PostgreSqlBotDb \
  --output-dir Storage/PostgreSql/Migrations --namespace Bot.Host.Storage.PostgreSql.Migrations
# EF puts a new snapshot in a folder named after the namespace: keep it beside its migrations.
if [ -d Bot.Host/Bot ]; then mv Bot.Host/Bot/Host/Storage/PostgreSql/Migrations/*.cs Bot.Host/Storage/PostgreSql/Migrations/ && rm -rf Bot.Host/Bot; fi
