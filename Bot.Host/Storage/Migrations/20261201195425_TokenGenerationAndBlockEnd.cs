using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bot.Host.Storage.Migrations
{
    /// <inheritdoc />
    public partial class TokenGenerationAndBlockEnd : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Generation",
                table: "Conversations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "ExpiresAt",
                table: "BlockedConversations",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "Reason",
                table: "BlockedConversations",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            // Blocks from before they had an end last the default 24 hours from when they began.
            migrationBuilder.Sql("UPDATE BlockedConversations SET ExpiresAt = strftime('%Y-%m-%d %H:%M:%f', BlockedAt, '+1 day');");

            migrationBuilder.CreateIndex(
                name: "IX_BlockedConversations_ExpiresAt",
                table: "BlockedConversations",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_BlockedConversations_ExpiresAt",
                table: "BlockedConversations");

            migrationBuilder.DropColumn(
                name: "Generation",
                table: "Conversations");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "BlockedConversations");

            migrationBuilder.DropColumn(
                name: "Reason",
                table: "BlockedConversations");
        }
    }
}
