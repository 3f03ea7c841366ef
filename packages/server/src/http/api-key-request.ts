import { z } from "zod";
import { roles } from "../registry/auth.js";

/** The body of `POST /api/keys`: a new key for the caller's team. */
export const apiKeyRequestSchema = z.object({ name: z.string().min(1).max(100), role: z.enum(roles) });
