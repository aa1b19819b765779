/** Deno Deploy entry: Deploy starts its entrypoint as a program, which ignores a default export, so serve it here. */
import handler from "./deno.js";

Deno.serve((request) => handler.fetch(request));
