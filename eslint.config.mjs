// ESLint's and typescript-eslint's recommended rules over every TypeScript and JavaScript file we
// write; formatting is Prettier's (.prettierrc.json), so no stylistic rule here.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", ".pulumi-cli/", ".object-store/", ".test-cache/", ".bench-tmp/", ".soak/", "sdk/", "**/node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      // `_name` marks a parameter a signature needs but the body does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // CommonJS by design: jest's config and helpers it loads with require().
    files: ["**/*.js", "**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
