using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bot.Host.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Telegram : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TelegramMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConversationKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MessageId = table.Column<int>(type: "INTEGER", nullable: false),
                    SentAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TelegramMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TelegramMessages_ConversationKey_SentAt",
                table: "TelegramMessages",
                columns: new[] { "ConversationKey", "SentAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TelegramMessages");
        }
    }
}
