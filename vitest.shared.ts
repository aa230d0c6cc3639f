// Test options every project shares. The root config lists packages/* as projects, and a project
// given by its own config file inherits nothing from the root: each package config spreads these.
export const sharedTest = {
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
  // A safety net for a loaded machine; tests that spawn the CLI or an emulator size their own.
  testTimeout: 30_000,
  hookTimeout: 30_000,
};
