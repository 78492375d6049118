/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_BASE?: string;
  readonly VITE_ADS_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
