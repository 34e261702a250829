// expect: 89
import { NextRequest, NextResponse } from "next/server";
import { prisma } from "@/lib/prisma";

export async function GET(request: NextRequest) {
  const q = request.nextUrl.searchParams.get("q") ?? "";
  const rows = await prisma.$queryRawUnsafe(`SELECT * FROM "Post" WHERE title LIKE '%${q}%'`);
  return NextResponse.json(rows);
}
