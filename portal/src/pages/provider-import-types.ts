// Shapes the /api/waldur-connections/ endpoints answer with (src/routes/waldur-connections.ts); the
// OpenAPI document names these paths but not their bodies.

export interface WaldurConnection {
  url: string;
  uuid: string;
  name: string;
  api_url: string;
  customer: string;
  customer_uuid: string;
  customer_name: string;
  remote_customer_uuid: string;
  remote_customer_name: string;
  remote_username: string;
  remote_version: string;
  category: string | null;
  category_uuid: string | null;
  status: "OK" | "Erred";
  last_error: string;
  last_error_at: string | null;
  last_check: string | null;
  last_sync: string | null;
  imported_offerings_count: number;
  created: string;
}

export interface RemoteOrganizations {
  remote_version: string;
  remote_username: string;
  organizations: { uuid: string; name: string }[];
}

export interface RemoteOffering {
  uuid: string;
  name: string;
  type: string;
  state: string;
  category_title: string;
  description: string;
  plans_count: number;
  components_count: number;
  importable: boolean;
  problem: string;
  imported: boolean;
  local_offering_uuid: string | null;
}

export interface ImportResult {
  created: string[];
  updated: string[];
  unchanged: number;
}

export interface SyncResult {
  ok: boolean;
  offerings_updated: number;
  offerings_unchanged: number;
  offerings_archived: number;
  resources_mirrored: number;
  errors: string[];
  connection: WaldurConnection;
}
