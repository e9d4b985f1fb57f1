"""mobilevos.models.backbones"""
