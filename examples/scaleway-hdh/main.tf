# The Health Data Hub's core on Scaleway: one private network, a research workspace reached through the
# public gateway's SSH bastion, a managed PostgreSQL for the SNDS extracts, an object storage bucket.
# `tofu plan -out plan && tofu show -json plan` gives the shape of tofu-plan.json (see README.md).

terraform {
  required_providers {
    scaleway = {
      source  = "scaleway/scaleway"
      version = "~> 2.60"
    }
  }
}

provider "scaleway" {
  region = "fr-par"
  zone   = "fr-par-1"
}

variable "db_admin_password" {
  type      = string
  sensitive = true
}

variable "admin_ranges" {
  description = "The agency's administration ranges, the only sources of SSH to the bastion."
  type        = list(string)
  default     = ["203.0.113.0/24"]
}

resource "scaleway_vpc" "hdh" {
  name = "hdh"
  tags = ["hdh", "classification=health-data"]
}

resource "scaleway_vpc_private_network" "hdh" {
  name   = "hdh-core"
  vpc_id = scaleway_vpc.hdh.id
  ipv4_subnet {
    subnet = "10.20.0.0/22"
  }
}

resource "scaleway_vpc_public_gateway_ip" "gateway" {}

resource "scaleway_vpc_public_gateway" "gateway" {
  name              = "hdh-gateway"
  type              = "VPC-GW-S"
  ip_id             = scaleway_vpc_public_gateway_ip.gateway.id
  bastion_enabled   = true
  bastion_port      = 61000
  allowed_ip_ranges = var.admin_ranges
}

resource "scaleway_vpc_gateway_network" "hdh" {
  gateway_id         = scaleway_vpc_public_gateway.gateway.id
  private_network_id = scaleway_vpc_private_network.hdh.id
  enable_masquerade  = true
  ipam_config {
    push_default_route = true
  }
}

resource "scaleway_instance_security_group" "workspace" {
  name                    = "hdh-workspace"
  inbound_default_policy  = "drop"
  outbound_default_policy = "accept"
  stateful                = true

  inbound_rule {
    action   = "accept"
    protocol = "TCP"
    port     = 22
    ip_range = "10.20.0.0/22" # the bastion's side of the private network
  }
}

resource "scaleway_instance_server" "workspace" {
  name              = "hdh-workspace-0042"
  type              = "PRO2-S"
  image             = "ubuntu_noble"
  security_group_id = scaleway_instance_security_group.workspace.id
  tags              = ["hdh", "project=0042"]

  root_volume {
    volume_type = "sbs_volume"
    size_in_gb  = 40
  }

  private_network {
    pn_id = scaleway_vpc_private_network.hdh.id
  }

  user_data = {
    "cloud-init" = file("${path.module}/cloud-init.yaml")
  }
}

resource "scaleway_rdb_instance" "snds" {
  name                      = "hdh-snds"
  engine                    = "PostgreSQL-16"
  node_type                 = "DB-PRO2-XS"
  is_ha_cluster             = true
  disable_backup            = false
  backup_schedule_frequency = 24
  backup_schedule_retention = 14
  encryption_at_rest        = true
  user_name                 = "hdh_admin"
  password                  = var.db_admin_password

  private_network {
    pn_id       = scaleway_vpc_private_network.hdh.id
    enable_ipam = true
  }
}

resource "scaleway_rdb_database" "snds" {
  instance_id = scaleway_rdb_instance.snds.id
  name        = "snds"
}

resource "scaleway_object_bucket" "extracts" {
  name = "hdh-snds-extracts"
  versioning {
    enabled = true
  }
}

resource "scaleway_object_bucket_acl" "extracts" {
  bucket = scaleway_object_bucket.extracts.id
  acl    = "private"
}

resource "scaleway_secret" "db_admin_password" {
  name = "snds-admin-password"
}

resource "scaleway_secret_version" "db_admin_password" {
  secret_id = scaleway_secret.db_admin_password.id
  data      = var.db_admin_password
}
