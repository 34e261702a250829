// expect:
import { NextRequest, NextResponse } from "next/server";
import { getServerSession } from "next-auth";
import { prisma } from "@/lib/prisma";

export async function GET(request: NextRequest, { params }: { params: { id: string } }) {
  const session = await getServerSession();
  if (!session) return NextResponse.json({ error: "unauthorised" }, { status: 401 });
  const invoice = await prisma.invoice.findFirst({
    where: { id: params.id, ownerId: session.user.id },
  });
  return NextResponse.json(invoice);
}
