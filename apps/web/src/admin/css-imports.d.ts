// Stylesheets imported for their side effect (Vite bundles them with the module that imports them).
declare module "*.css";
