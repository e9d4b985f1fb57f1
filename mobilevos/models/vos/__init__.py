"""mobilevos.models.vos"""
