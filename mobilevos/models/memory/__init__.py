"""mobilevos.models.memory"""
