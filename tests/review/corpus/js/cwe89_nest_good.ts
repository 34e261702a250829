// expect:
import { Controller, Get, Query } from "@nestjs/common";
import { DataSource } from "typeorm";

@Controller("users")
export class UsersController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async find(@Query("email") email: string) {
    return this.dataSource.query("SELECT * FROM users WHERE email = $1", [email]);
  }
}
