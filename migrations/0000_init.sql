CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`event_type` text NOT NULL,
	`message` text NOT NULL,
	`actor_id` integer,
	`customer_id` integer,
	`project_id` integer,
	`context` text DEFAULT '{}' NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_uuid_unique` ON `events` (`uuid`);--> statement-breakpoint
CREATE INDEX `events_created` ON `events` (`created`);--> statement-breakpoint
CREATE TABLE `agent_identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`name` text NOT NULL,
	`version` text DEFAULT '' NOT NULL,
	`dependencies` text DEFAULT '[]' NOT NULL,
	`config_file_path` text DEFAULT '' NOT NULL,
	`config_file_content` text DEFAULT '' NOT NULL,
	`last_restarted` text,
	`created_by_id` integer NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_identities_uuid_unique` ON `agent_identities` (`uuid`);--> statement-breakpoint
CREATE TABLE `agent_processors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`service_id` integer NOT NULL,
	`name` text NOT NULL,
	`backend_type` text NOT NULL,
	`backend_version` text DEFAULT '' NOT NULL,
	`last_run` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `agent_services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_processors_uuid_unique` ON `agent_processors` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `agent_processors_name` ON `agent_processors` (`service_id`,`name`);--> statement-breakpoint
CREATE TABLE `agent_services` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`identity_id` integer NOT NULL,
	`name` text NOT NULL,
	`mode` text DEFAULT '' NOT NULL,
	`state` text DEFAULT 'Active' NOT NULL,
	`statistics` text DEFAULT '{}' NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`identity_id`) REFERENCES `agent_identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_services_uuid_unique` ON `agent_services` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `agent_services_name` ON `agent_services` (`identity_id`,`name`);--> statement-breakpoint
CREATE TABLE `categories` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`icon` text,
	`sections` text DEFAULT '[]' NOT NULL,
	`components` text DEFAULT '[]' NOT NULL,
	`default_vm_category` integer DEFAULT false NOT NULL,
	`default_volume_category` integer DEFAULT false NOT NULL,
	`default_tenant_category` integer DEFAULT false NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `categories_uuid_unique` ON `categories` (`uuid`);--> statement-breakpoint
CREATE TABLE `component_usages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`resource_id` integer NOT NULL,
	`component_id` integer NOT NULL,
	`plan_period_id` integer,
	`billing_period` text NOT NULL,
	`usage` text NOT NULL,
	`date` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`recurring` integer DEFAULT false NOT NULL,
	`modified_by_id` integer,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `offering_components`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `component_usages_uuid_unique` ON `component_usages` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `component_usages_period` ON `component_usages` (`resource_id`,`component_id`,`billing_period`);--> statement-breakpoint
CREATE TABLE `component_user_usage_limits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`resource_id` integer NOT NULL,
	`component_id` integer NOT NULL,
	`username` text NOT NULL,
	`limit` text NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `offering_components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `component_user_usage_limits_uuid_unique` ON `component_user_usage_limits` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `component_user_usage_limits_unique` ON `component_user_usage_limits` (`resource_id`,`component_id`,`username`);--> statement-breakpoint
CREATE TABLE `component_user_usages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`component_usage_id` integer NOT NULL,
	`offering_user_id` integer,
	`username` text NOT NULL,
	`usage` text NOT NULL,
	`date` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`component_usage_id`) REFERENCES `component_usages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `component_user_usages_uuid_unique` ON `component_user_usages` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `component_user_usages_unique` ON `component_user_usages` (`component_usage_id`,`username`);--> statement-breakpoint
CREATE TABLE `offering_components` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`measured_unit` text DEFAULT '' NOT NULL,
	`billing_type` text NOT NULL,
	`limit_period` text,
	`limit_amount` integer,
	`article_code` text DEFAULT '' NOT NULL,
	`max_value` integer,
	`min_value` integer,
	`max_available_limit` integer,
	`default_limit` integer,
	`is_boolean` integer DEFAULT false NOT NULL,
	`is_builtin` integer DEFAULT false NOT NULL,
	`is_prepaid` integer DEFAULT false NOT NULL,
	`unit_factor` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offering_components_uuid_unique` ON `offering_components` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `offering_components_type` ON `offering_components` (`offering_id`,`type`);--> statement-breakpoint
CREATE TABLE `offering_user_attribute_configs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`exposed_fields` text NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offering_user_attribute_configs_uuid_unique` ON `offering_user_attribute_configs` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `offering_user_attribute_configs_offering_id_unique` ON `offering_user_attribute_configs` (`offering_id`);--> statement-breakpoint
CREATE TABLE `offering_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`username` text DEFAULT '' NOT NULL,
	`state` text DEFAULT 'Requested' NOT NULL,
	`is_restricted` integer DEFAULT false NOT NULL,
	`service_provider_comment` text DEFAULT '' NOT NULL,
	`service_provider_comment_url` text DEFAULT '' NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offering_users_uuid_unique` ON `offering_users` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `offering_users_unique` ON `offering_users` (`offering_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `offerings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`customer_id` integer NOT NULL,
	`category_id` integer NOT NULL,
	`project_id` integer,
	`parent_id` integer,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`full_description` text DEFAULT '' NOT NULL,
	`privacy_policy_link` text DEFAULT '' NOT NULL,
	`access_url` text DEFAULT '' NOT NULL,
	`getting_started` text DEFAULT '' NOT NULL,
	`integration_guide` text DEFAULT '' NOT NULL,
	`vendor_details` text DEFAULT '' NOT NULL,
	`type` text NOT NULL,
	`state` text DEFAULT 'Draft' NOT NULL,
	`paused_reason` text DEFAULT '' NOT NULL,
	`shared` integer DEFAULT true NOT NULL,
	`billable` integer DEFAULT true NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`options` text DEFAULT '{}' NOT NULL,
	`resource_options` text DEFAULT '{}' NOT NULL,
	`plugin_options` text DEFAULT '{}' NOT NULL,
	`secret_options_sealed` text,
	`secret_options_keys` text DEFAULT '[]' NOT NULL,
	`service_attributes` text DEFAULT '{}' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`backend_metadata` text DEFAULT '{}' NOT NULL,
	`endpoints` text DEFAULT '[]' NOT NULL,
	`partitions` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`image` text,
	`thumbnail` text,
	`latitude` text,
	`longitude` text,
	`country` text DEFAULT '' NOT NULL,
	`remote_uuid` text,
	`required_identity_score` integer DEFAULT 0 NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offerings_uuid_unique` ON `offerings` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `offerings_slug_unique` ON `offerings` (`slug`);--> statement-breakpoint
CREATE INDEX `offerings_customer` ON `offerings` (`customer_id`);--> statement-breakpoint
CREATE INDEX `offerings_category` ON `offerings` (`category_id`);--> statement-breakpoint
CREATE INDEX `offerings_state` ON `offerings` (`state`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`plan_id` integer,
	`old_plan_id` integer,
	`project_id` integer NOT NULL,
	`resource_id` integer,
	`type` text NOT NULL,
	`state` text NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`limits` text DEFAULT '{}' NOT NULL,
	`cost` text,
	`slug` text NOT NULL,
	`output` text DEFAULT '' NOT NULL,
	`error_message` text DEFAULT '' NOT NULL,
	`error_traceback` text DEFAULT '' NOT NULL,
	`callback_url` text,
	`request_comment` text,
	`start_date` text,
	`backend_id` text DEFAULT '' NOT NULL,
	`created_by_id` integer,
	`consumer_reviewed_by_id` integer,
	`consumer_reviewed_at` text,
	`provider_reviewed_by_id` integer,
	`provider_reviewed_at` text,
	`consumer_rejection_comment` text,
	`provider_rejection_comment` text,
	`termination_comment` text,
	`provider_message` text DEFAULT '' NOT NULL,
	`provider_message_url` text DEFAULT '' NOT NULL,
	`consumer_message` text DEFAULT '' NOT NULL,
	`completed_at` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_uuid_unique` ON `orders` (`uuid`);--> statement-breakpoint
CREATE INDEX `orders_offering_state` ON `orders` (`offering_id`,`state`);--> statement-breakpoint
CREATE INDEX `orders_project` ON `orders` (`project_id`);--> statement-breakpoint
CREATE INDEX `orders_resource` ON `orders` (`resource_id`);--> statement-breakpoint
CREATE TABLE `plan_components` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`plan_id` integer NOT NULL,
	`component_id` integer NOT NULL,
	`amount` integer DEFAULT 0 NOT NULL,
	`price` text DEFAULT '0' NOT NULL,
	`future_price` text,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `offering_components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plan_components_unique` ON `plan_components` (`plan_id`,`component_id`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`article_code` text DEFAULT '' NOT NULL,
	`max_amount` integer,
	`archived` integer DEFAULT false NOT NULL,
	`unit` text DEFAULT 'month' NOT NULL,
	`unit_price` text DEFAULT '0' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_uuid_unique` ON `plans` (`uuid`);--> statement-breakpoint
CREATE INDEX `plans_offering` ON `plans` (`offering_id`);--> statement-breakpoint
CREATE TABLE `resource_plan_periods` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`resource_id` integer NOT NULL,
	`plan_id` integer NOT NULL,
	`start` text NOT NULL,
	`end` text,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resource_plan_periods_uuid_unique` ON `resource_plan_periods` (`uuid`);--> statement-breakpoint
CREATE INDEX `plan_periods_resource` ON `resource_plan_periods` (`resource_id`);--> statement-breakpoint
CREATE TABLE `resources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`plan_id` integer,
	`project_id` integer NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`state` text DEFAULT 'Creating' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`effective_id` text DEFAULT '' NOT NULL,
	`attributes` text DEFAULT '{}' NOT NULL,
	`limits` text DEFAULT '{}' NOT NULL,
	`current_usages` text DEFAULT '{}' NOT NULL,
	`backend_metadata` text DEFAULT '{}' NOT NULL,
	`endpoints` text DEFAULT '[]' NOT NULL,
	`report` text,
	`options` text DEFAULT '{}' NOT NULL,
	`access_details_key` text,
	`end_date` text,
	`paused` integer DEFAULT false NOT NULL,
	`downscaled` integer DEFAULT false NOT NULL,
	`restrict_member_access` integer DEFAULT false NOT NULL,
	`error_message` text DEFAULT '' NOT NULL,
	`error_traceback` text DEFAULT '' NOT NULL,
	`last_sync` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resources_uuid_unique` ON `resources` (`uuid`);--> statement-breakpoint
CREATE INDEX `resources_offering` ON `resources` (`offering_id`);--> statement-breakpoint
CREATE INDEX `resources_project` ON `resources` (`project_id`);--> statement-breakpoint
CREATE INDEX `resources_state` ON `resources` (`state`);--> statement-breakpoint
CREATE TABLE `service_providers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`customer_id` integer NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`enable_notifications` integer DEFAULT true NOT NULL,
	`image` text,
	`api_secret_code_hash` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_providers_uuid_unique` ON `service_providers` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `service_providers_customer_id_unique` ON `service_providers` (`customer_id`);--> statement-breakpoint
CREATE TABLE `auth_tokens` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created` text NOT NULL,
	`last_used` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_tokens_user` ON `auth_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`native_name` text DEFAULT '' NOT NULL,
	`abbreviation` text DEFAULT '' NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`contact_details` text DEFAULT '' NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`phone_number` text DEFAULT '' NOT NULL,
	`registration_code` text DEFAULT '' NOT NULL,
	`agreement_number` text DEFAULT '' NOT NULL,
	`vat_code` text DEFAULT '' NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`postal` text DEFAULT '' NOT NULL,
	`homepage` text DEFAULT '' NOT NULL,
	`domain` text DEFAULT '' NOT NULL,
	`country` text DEFAULT '' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`blocked` integer DEFAULT false NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_uuid_unique` ON `customers` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `customers_slug_unique` ON `customers` (`slug`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`customer_id` integer NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`start_date` text,
	`end_date` text,
	`kind` text DEFAULT 'default' NOT NULL,
	`is_removed` integer DEFAULT false NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_uuid_unique` ON `projects` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `projects_slug_unique` ON `projects` (`slug`);--> statement-breakpoint
CREATE INDEX `projects_customer` ON `projects` (`customer_id`);--> statement-breakpoint
CREATE TABLE `role_grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`scope_type` text NOT NULL,
	`scope_id` integer NOT NULL,
	`role` text NOT NULL,
	`expiration_time` text,
	`created_by_id` integer,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `role_grants_uuid_unique` ON `role_grants` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `role_grants_unique` ON `role_grants` (`user_id`,`scope_type`,`scope_id`,`role`);--> statement-breakpoint
CREATE INDEX `role_grants_scope` ON `role_grants` (`scope_type`,`scope_id`);--> statement-breakpoint
CREATE TABLE `ssh_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`public_key` text NOT NULL,
	`type` text NOT NULL,
	`fingerprint_md5` text NOT NULL,
	`fingerprint_sha256` text NOT NULL,
	`fingerprint_sha512` text NOT NULL,
	`is_shared` integer DEFAULT false NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ssh_keys_uuid_unique` ON `ssh_keys` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `ssh_keys_user_fp` ON `ssh_keys` (`user_id`,`fingerprint_sha256`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`username` text NOT NULL,
	`slug` text NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`first_name` text DEFAULT '' NOT NULL,
	`last_name` text DEFAULT '' NOT NULL,
	`native_name` text DEFAULT '' NOT NULL,
	`organization` text DEFAULT '' NOT NULL,
	`job_title` text DEFAULT '' NOT NULL,
	`phone_number` text DEFAULT '' NOT NULL,
	`civil_number` text,
	`description` text DEFAULT '' NOT NULL,
	`preferred_language` text DEFAULT '' NOT NULL,
	`registration_method` text DEFAULT 'default' NOT NULL,
	`password_hash` text,
	`is_staff` integer DEFAULT false NOT NULL,
	`is_support` integer DEFAULT false NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`token_lifetime` integer DEFAULT 3600,
	`failed_logins` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`notifications_enabled` integer DEFAULT true NOT NULL,
	`wallet_address` text,
	`agreement_date` text,
	`date_joined` text NOT NULL,
	`modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_uuid_unique` ON `users` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_wallet_address_unique` ON `users` (`wallet_address`);--> statement-breakpoint
CREATE TABLE `wallet_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`address` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE TABLE `slurm_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`resource_id` integer NOT NULL,
	`user_id` integer,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`workload` text NOT NULL,
	`script_sha256` text NOT NULL,
	`script_bytes` integer NOT NULL,
	`parts` integer DEFAULT 1 NOT NULL,
	`state` text DEFAULT 'Creating' NOT NULL,
	`runtime_state` text DEFAULT '' NOT NULL,
	`backend_id` text DEFAULT '' NOT NULL,
	`error_message` text DEFAULT '' NOT NULL,
	`output_token_hash` text NOT NULL,
	`output_prefix` text NOT NULL,
	`parts_reported` integer DEFAULT 0 NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slurm_jobs_uuid_unique` ON `slurm_jobs` (`uuid`);--> statement-breakpoint
CREATE INDEX `slurm_jobs_resource` ON `slurm_jobs` (`resource_id`);--> statement-breakpoint
CREATE TABLE `chain_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text,
	`signer` text NOT NULL,
	`type_url` text NOT NULL,
	`payload` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`tx_hash` text,
	`sequence` integer,
	`gas_limit` integer,
	`tx_bytes` text,
	`height` integer,
	`chain_codespace` text,
	`chain_code` integer,
	`chain_log` text,
	`result` text,
	`created` text NOT NULL,
	`modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chain_outbox_uuid_unique` ON `chain_outbox` (`uuid`);--> statement-breakpoint
CREATE INDEX `chain_outbox_state` ON `chain_outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `chain_outbox_ref` ON `chain_outbox` (`ref`);--> statement-breakpoint
CREATE INDEX `chain_outbox_tx_hash` ON `chain_outbox` (`tx_hash`);--> statement-breakpoint
CREATE TABLE `chain_sender_lock` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`until` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `encryption_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`public_key` text NOT NULL,
	`key_id` text NOT NULL,
	`key_version` integer NOT NULL,
	`algorithm` text DEFAULT 'X25519' NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `encryption_keys_uuid_unique` ON `encryption_keys` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `encryption_keys_key_id_unique` ON `encryption_keys` (`key_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `encryption_keys_user_version` ON `encryption_keys` (`user_id`,`key_version`);--> statement-breakpoint
CREATE TABLE `executor_authorisations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`key_id` text NOT NULL,
	`key_version` integer NOT NULL,
	`authorised_by_id` integer,
	`created` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`authorised_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `executor_authorisations_customer_id_unique` ON `executor_authorisations` (`customer_id`);--> statement-breakpoint
CREATE TABLE `org_content` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`customer_id` integer NOT NULL,
	`key_version` integer NOT NULL,
	`created_by_id` integer,
	`created` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_content_uuid_unique` ON `org_content` (`uuid`);--> statement-breakpoint
CREATE INDEX `org_content_customer` ON `org_content` (`customer_id`);--> statement-breakpoint
CREATE TABLE `org_content_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`key_version` integer NOT NULL,
	`public_key` text NOT NULL,
	`key_id` text NOT NULL,
	`created_by_id` integer,
	`created` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_content_keys_key_id_unique` ON `org_content_keys` (`key_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `org_content_keys_version` ON `org_content_keys` (`customer_id`,`key_version`);--> statement-breakpoint
CREATE TABLE `sealed_blobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`record_id` text NOT NULL,
	`version` integer NOT NULL,
	`object_key` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`recipients` text NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sealed_blobs_record` ON `sealed_blobs` (`kind`,`record_id`);--> statement-breakpoint
CREATE INDEX `sealed_blobs_key` ON `sealed_blobs` (`object_key`);--> statement-breakpoint
CREATE TABLE `support_comments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`issue_id` integer NOT NULL,
	`author_id` integer NOT NULL,
	`is_public` integer DEFAULT true NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`issue_id`) REFERENCES `support_issues`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_comments_uuid_unique` ON `support_comments` (`uuid`);--> statement-breakpoint
CREATE INDEX `support_comments_issue` ON `support_comments` (`issue_id`);--> statement-breakpoint
CREATE TABLE `support_issues` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`key` text NOT NULL,
	`type` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`priority` text DEFAULT '' NOT NULL,
	`caller_id` integer NOT NULL,
	`customer_id` integer,
	`project_id` integer,
	`resource_id` integer,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`caller_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`resource_id`) REFERENCES `resources`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_issues_uuid_unique` ON `support_issues` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `support_issues_key_unique` ON `support_issues` (`key`);--> statement-breakpoint
CREATE INDEX `support_issues_caller` ON `support_issues` (`caller_id`);--> statement-breakpoint
CREATE INDEX `support_issues_customer` ON `support_issues` (`customer_id`);--> statement-breakpoint
CREATE TABLE `identity_attestations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`document_capture_id` integer NOT NULL,
	`selfie_capture_id` integer NOT NULL,
	`validator` text NOT NULL,
	`validator_key_id` text NOT NULL,
	`outcome` text NOT NULL,
	`distance` real,
	`rejected_image` text,
	`reason` text DEFAULT '' NOT NULL,
	`pipeline_version` text NOT NULL,
	`pipeline_hash` text NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`document_capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`selfie_capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_attestations_uuid_unique` ON `identity_attestations` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `identity_attestations_pair` ON `identity_attestations` (`document_capture_id`,`selfie_capture_id`,`validator_key_id`);--> statement-breakpoint
CREATE TABLE `identity_capture_nonces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`nonce_hash` text NOT NULL,
	`user_id` integer NOT NULL,
	`scope` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_capture_nonces_nonce_hash_unique` ON `identity_capture_nonces` (`nonce_hash`);--> statement-breakpoint
CREATE INDEX `identity_capture_nonces_user` ON `identity_capture_nonces` (`user_id`,`created`);--> statement-breakpoint
CREATE TABLE `identity_captures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`scope` text NOT NULL,
	`device_key_id` integer NOT NULL,
	`image_hash` text NOT NULL,
	`format` text NOT NULL,
	`captured_at` text NOT NULL,
	`object_key` text NOT NULL,
	`envelope_sha256` text NOT NULL,
	`size` integer NOT NULL,
	`sealed_to` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_key_id`) REFERENCES `identity_device_keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_captures_uuid_unique` ON `identity_captures` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_captures_user` ON `identity_captures` (`user_id`,`scope`);--> statement-breakpoint
CREATE TABLE `identity_challenges` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`customer_id` integer,
	`secret_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`used_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_challenges_uuid_unique` ON `identity_challenges` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_challenges_user` ON `identity_challenges` (`user_id`,`kind`,`created`);--> statement-breakpoint
CREATE INDEX `identity_challenges_subject` ON `identity_challenges` (`kind`,`subject`,`created`);--> statement-breakpoint
CREATE TABLE `identity_device_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`algorithm` text NOT NULL,
	`public_key` text NOT NULL,
	`revoked_at` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_device_keys_uuid_unique` ON `identity_device_keys` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_device_keys_user` ON `identity_device_keys` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `identity_device_keys_key` ON `identity_device_keys` (`user_id`,`public_key`);--> statement-breakpoint
CREATE TABLE `identity_recovery_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`code_hash` text NOT NULL,
	`used_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_recovery_codes_hash` ON `identity_recovery_codes` (`user_id`,`code_hash`);--> statement-breakpoint
CREATE TABLE `identity_scopes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`customer_id` integer,
	`status` text NOT NULL,
	`method` text DEFAULT '' NOT NULL,
	`verified_at` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_scopes_uuid_unique` ON `identity_scopes` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_scopes_user` ON `identity_scopes` (`user_id`,`kind`,`subject`);--> statement-breakpoint
CREATE TABLE `identity_scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`validator` text NOT NULL,
	`validator_key_id` text NOT NULL,
	`score` integer NOT NULL,
	`pipeline_version` text NOT NULL,
	`pipeline_hash` text NOT NULL,
	`reasons` text NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_scores_uuid_unique` ON `identity_scores` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_scores_user` ON `identity_scores` (`user_id`,`validator_key_id`,`created`);--> statement-breakpoint
CREATE TABLE `identity_session_sightings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`network_hash` text NOT NULL,
	`device_hash` text NOT NULL,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	`hits` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_session_sightings_key` ON `identity_session_sightings` (`user_id`,`network_hash`,`device_hash`);--> statement-breakpoint
CREATE TABLE `identity_sso_states` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`state_hash` text NOT NULL,
	`binding_hash` text NOT NULL,
	`provider` text NOT NULL,
	`purpose` text NOT NULL,
	`user_id` integer,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_sso_states_state_hash_unique` ON `identity_sso_states` (`state_hash`);--> statement-breakpoint
CREATE INDEX `identity_sso_states_created` ON `identity_sso_states` (`created`);--> statement-breakpoint
CREATE TABLE `identity_totp` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`sealed_secret` text NOT NULL,
	`enabled_at` text,
	`last_step` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_totp_user_id_unique` ON `identity_totp` (`user_id`);--> statement-breakpoint
CREATE TABLE `chain_escrow_events` (
	`chain_id` text NOT NULL,
	`height` integer NOT NULL,
	`tx_index` integer NOT NULL,
	`event_index` integer NOT NULL,
	`type` text NOT NULL,
	`account_id` text NOT NULL,
	`amount` text DEFAULT '' NOT NULL,
	`tx_hash` text,
	PRIMARY KEY(`chain_id`, `height`, `tx_index`, `event_index`)
);
--> statement-breakpoint
CREATE INDEX `chain_escrow_events_account` ON `chain_escrow_events` (`account_id`);--> statement-breakpoint
CREATE TABLE `chain_index_cursor` (
	`chain_id` text PRIMARY KEY NOT NULL,
	`height` integer NOT NULL,
	`updated` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `chain_offchain` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`reason` text NOT NULL,
	`detail` text DEFAULT '' NOT NULL,
	`created` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chain_offchain_ref` ON `chain_offchain` (`ref`);--> statement-breakpoint
CREATE INDEX `chain_offchain_reason` ON `chain_offchain` (`reason`);--> statement-breakpoint
CREATE TABLE `chain_offerings` (
	`chain_id` text NOT NULL,
	`offering_id` integer NOT NULL,
	`provider` text NOT NULL,
	`state` text NOT NULL,
	`created_height` integer NOT NULL,
	`height` integer NOT NULL,
	`tx_hash` text,
	PRIMARY KEY(`chain_id`, `offering_id`)
);
--> statement-breakpoint
CREATE TABLE `chain_orders` (
	`chain_id` text NOT NULL,
	`order_id` integer NOT NULL,
	`customer` text NOT NULL,
	`offering_id` integer NOT NULL,
	`state` text NOT NULL,
	`lease_state` text,
	`lease_provider` text,
	`lease_price` text,
	`lease_close_reason` text,
	`created_height` integer NOT NULL,
	`height` integer NOT NULL,
	`tx_hash` text,
	PRIMARY KEY(`chain_id`, `order_id`)
);
--> statement-breakpoint
CREATE TABLE `chain_usage` (
	`chain_id` text NOT NULL,
	`order_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`component` text NOT NULL,
	`amount` text NOT NULL,
	`cost` text NOT NULL,
	`height` integer NOT NULL,
	`tx_hash` text,
	PRIMARY KEY(`chain_id`, `order_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `chain_veid_attestations` (
	`chain_id` text NOT NULL,
	`round_id` integer NOT NULL,
	`validator` text NOT NULL,
	`score` integer NOT NULL,
	`height` integer NOT NULL,
	`tx_hash` text,
	PRIMARY KEY(`chain_id`, `round_id`, `validator`)
);
--> statement-breakpoint
CREATE TABLE `chain_veid_rounds` (
	`chain_id` text NOT NULL,
	`round_id` integer NOT NULL,
	`account` text NOT NULL,
	`state` text NOT NULL,
	`score` integer,
	`disputed` integer DEFAULT false NOT NULL,
	`attesters` integer DEFAULT 0 NOT NULL,
	`deadline` integer NOT NULL,
	`opened_height` integer NOT NULL,
	`height` integer NOT NULL,
	`tx_hash` text,
	`review_queued` text,
	PRIMARY KEY(`chain_id`, `round_id`)
);
--> statement-breakpoint
CREATE INDEX `chain_veid_rounds_account` ON `chain_veid_rounds` (`account`);--> statement-breakpoint
CREATE TABLE `chain_veid_scores` (
	`chain_id` text NOT NULL,
	`account` text NOT NULL,
	`score` integer NOT NULL,
	`round_id` integer NOT NULL,
	`how` text NOT NULL,
	`attesters` integer NOT NULL,
	`disputed` integer DEFAULT false NOT NULL,
	`height` integer NOT NULL,
	PRIMARY KEY(`chain_id`, `account`)
);
--> statement-breakpoint
CREATE TABLE `waldur_connections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`customer_id` integer NOT NULL,
	`created_by_id` integer,
	`name` text NOT NULL,
	`api_url` text NOT NULL,
	`token_sealed` text NOT NULL,
	`remote_customer_uuid` text NOT NULL,
	`remote_customer_name` text DEFAULT '' NOT NULL,
	`remote_username` text DEFAULT '' NOT NULL,
	`remote_version` text DEFAULT '' NOT NULL,
	`category_id` integer,
	`status` text DEFAULT 'OK' NOT NULL,
	`last_error` text DEFAULT '' NOT NULL,
	`last_error_at` text,
	`last_check` text,
	`last_sync` text,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `waldur_connections_uuid_unique` ON `waldur_connections` (`uuid`);--> statement-breakpoint
CREATE INDEX `waldur_connections_customer` ON `waldur_connections` (`customer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `waldur_connections_remote` ON `waldur_connections` (`customer_id`,`api_url`,`remote_customer_uuid`);--> statement-breakpoint
CREATE TABLE `waldur_imported_offerings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` integer NOT NULL,
	`offering_id` integer NOT NULL,
	`remote_uuid` text NOT NULL,
	`remote_digest` text DEFAULT '' NOT NULL,
	`last_sync` text NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `waldur_connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `waldur_imported_remote` ON `waldur_imported_offerings` (`connection_id`,`remote_uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `waldur_imported_offering` ON `waldur_imported_offerings` (`offering_id`);--> statement-breakpoint
CREATE TABLE `waldur_sync_cursors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`connection_id` integer NOT NULL,
	`kind` text NOT NULL,
	`cursor` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`connection_id`) REFERENCES `waldur_connections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `waldur_sync_cursors_kind` ON `waldur_sync_cursors` (`connection_id`,`kind`);--> statement-breakpoint
CREATE TABLE `identity_appeals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`outcome` text,
	`decision_reason` text,
	`decided_by_id` integer,
	`decided_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_appeals_uuid_unique` ON `identity_appeals` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_appeals_user` ON `identity_appeals` (`user_id`,`created`);--> statement-breakpoint
CREATE INDEX `identity_appeals_status` ON `identity_appeals` (`status`,`created`);--> statement-breakpoint
CREATE TABLE `identity_evidence_disposals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`capture_id` integer NOT NULL,
	`reason` text NOT NULL,
	`previous_status` text NOT NULL,
	`review_copies` integer DEFAULT 0 NOT NULL,
	`created` text NOT NULL,
	FOREIGN KEY (`capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_evidence_disposals_capture_id_unique` ON `identity_evidence_disposals` (`capture_id`);--> statement-breakpoint
CREATE TABLE `identity_review_evidence` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`review_id` integer NOT NULL,
	`capture_id` integer NOT NULL,
	`object_key` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	`key_id` text NOT NULL,
	`deleted_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`review_id`) REFERENCES `identity_reviews`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_review_evidence_capture` ON `identity_review_evidence` (`review_id`,`capture_id`);--> statement-breakpoint
CREATE TABLE `identity_reviews` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`document_capture_id` integer NOT NULL,
	`selfie_capture_id` integer NOT NULL,
	`attestation_id` integer,
	`trigger` text NOT NULL,
	`distance` real,
	`note` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`moderator_id` integer,
	`moderator_key_id` text,
	`moderator_key_version` integer,
	`claimed_at` text,
	`outcome` text,
	`decision_reason` text,
	`decided_at` text,
	`created` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`document_capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`selfie_capture_id`) REFERENCES `identity_captures`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`attestation_id`) REFERENCES `identity_attestations`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`moderator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_reviews_uuid_unique` ON `identity_reviews` (`uuid`);--> statement-breakpoint
CREATE INDEX `identity_reviews_status` ON `identity_reviews` (`status`,`created`);--> statement-breakpoint
CREATE INDEX `identity_reviews_pair` ON `identity_reviews` (`document_capture_id`,`selfie_capture_id`);--> statement-breakpoint
CREATE TABLE `broadcast_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`query` text DEFAULT '{}' NOT NULL,
	`author_id` integer,
	`state` text DEFAULT 'DRAFT' NOT NULL,
	`send_at` text,
	`recipient_ids` text DEFAULT '[]' NOT NULL,
	`sent_count` integer DEFAULT 0 NOT NULL,
	`failed_count` integer DEFAULT 0 NOT NULL,
	`sent_at` text,
	`created` text NOT NULL,
	`modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `broadcast_messages_uuid_unique` ON `broadcast_messages` (`uuid`);--> statement-breakpoint
CREATE INDEX `broadcast_messages_created` ON `broadcast_messages` (`created`);--> statement-breakpoint
CREATE TABLE `offering_screenshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`offering_id` integer NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`object_key` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`offering_id`) REFERENCES `offerings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offering_screenshots_uuid_unique` ON `offering_screenshots` (`uuid`);--> statement-breakpoint
CREATE INDEX `offering_screenshots_offering` ON `offering_screenshots` (`offering_id`);--> statement-breakpoint
CREATE TABLE `user_invitations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`scope_type` text NOT NULL,
	`scope_id` integer NOT NULL,
	`customer_id` integer NOT NULL,
	`role` text NOT NULL,
	`email_sealed` text NOT NULL,
	`email_hash` text NOT NULL,
	`state` text NOT NULL,
	`expires` text NOT NULL,
	`extra_text` text DEFAULT '' NOT NULL,
	`created_by_id` integer,
	`accepted_by_id` integer,
	`created` text NOT NULL,
	`modified` text NOT NULL,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`accepted_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_invitations_uuid_unique` ON `user_invitations` (`uuid`);--> statement-breakpoint
CREATE INDEX `user_invitations_scope` ON `user_invitations` (`scope_type`,`scope_id`);--> statement-breakpoint
CREATE INDEX `user_invitations_email` ON `user_invitations` (`email_hash`,`state`);