terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration, with a key of its own per pull request: previews/pr-<N>.tfstate. Only
  # the preview environment's deploy role (staging's) reaches previews/ (bootstrap).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Environment is the environment the preview runs in: its deploy role may change only what
  # carries its tag (bootstrap), and the preview's resources are that environment's.
  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform-preview"
      Preview     = "pr-${var.pr_number}"
    }
  }
}
