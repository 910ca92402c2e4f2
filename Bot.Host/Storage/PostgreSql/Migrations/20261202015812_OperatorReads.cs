using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bot.Host.Storage.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class OperatorReads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Reads",
                table: "Operators",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Reads",
                table: "Operators");
        }
    }
}
