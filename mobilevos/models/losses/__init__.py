"""mobilevos.models.losses"""
