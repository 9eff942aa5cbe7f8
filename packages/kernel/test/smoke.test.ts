import { describe, it, expect } from "vitest"; import { CoordError } from "../src/index.js"; describe("x",()=>{it("y",()=>{expect(new CoordError("INTERNAL","m").code).toBe("INTERNAL")})})
